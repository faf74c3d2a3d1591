/**
 * A service with a query store and a bucket (the fixture `ledger`) beside the `widgets` fixture:
 * the per-service expectations (`expectations.ts`: cluster, secrets, bucket, grants, environment,
 * deploy hook after the writer instance), plus the network the platform adds for it, and none
 * when no service has a database.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { asRecord } from '../json';
import { FLOW_LOG_RETENTION, NETWORK_AZS } from '../network';
import { createItsmApp } from '../stack';
import { type SynthesizedItsm, scopeOf, synthTemplates, templatesOf } from '../synth';
import { describeServiceDeployment, resourcesOf } from './expectations';
import { CONSOLE_FIXTURE } from './fixtures/console';
import { ledger } from './fixtures/ledger';
import { library } from './fixtures/library';
import { PLATFORM_API_FIXTURE, widgets } from './fixtures/widgets';

let synth: SynthesizedItsm;
beforeAll(() => {
  const { stack } = createItsmApp({
    services: [widgets, ledger, library],
    apiEntry: PLATFORM_API_FIXTURE,
    consoleAssets: CONSOLE_FIXTURE,
    bundle: false,
    validate: false,
  });
  synth = templatesOf(stack);
});

describeServiceDeployment(ledger, () => synth);
// A versioned, object-locked bucket that never expires (the releases' definitive media library).
describeServiceDeployment(library, () => synth);

describe('query store network', () => {
  const root = () => scopeOf(synth, 'platform');
  const typesIn = (template: { Resources: Record<string, { Type: string }> }) =>
    new Set(Object.values(template.Resources).map((r) => r.Type));

  it('is one VPC with isolated subnets in two AZs and no way to or from the internet', () => {
    // Prepare
    const all = [synth.platform, ...Object.values(synth.services)];
    // Act
    const vpcs = resourcesOf(root(), 'AWS::EC2::VPC');
    const subnets = resourcesOf(root(), 'AWS::EC2::Subnet').map(([, r]) => asRecord(r.Properties));
    const routes = all.flatMap((t) => Object.values(t.Resources).filter((r) => r.Type === 'AWS::EC2::Route'));
    // Assess
    expect(vpcs).toHaveLength(1);
    expect(subnets).toHaveLength(NETWORK_AZS);
    const azs = subnets.map((s) => JSON.stringify(s.AvailabilityZone));
    expect(new Set(azs).size).toBe(NETWORK_AZS);
    for (const s of subnets) expect(s.MapPublicIpOnLaunch).toBe(false);
    for (const template of all) {
      for (const type of [
        'AWS::EC2::NatGateway',
        'AWS::EC2::InternetGateway',
        'AWS::EC2::EgressOnlyInternetGateway',
        'AWS::EC2::VPCGatewayAttachment',
        'AWS::EC2::EIP',
        'AWS::EC2::VPCEndpoint',
      ]) {
        expect(typesIn(template).has(type), type).toBe(false);
      }
    }
    // Only the local route: isolated subnets route nowhere else.
    expect(routes).toEqual([]);
  });

  it('logs the flows of every interface in it, kept briefly', () => {
    const [vpcId] = resourcesOf(root(), 'AWS::EC2::VPC')[0] ?? [];
    const flowLogs = resourcesOf(root(), 'AWS::EC2::FlowLog').map(([, r]) => asRecord(r.Properties));
    expect(flowLogs).toEqual([
      expect.objectContaining({ ResourceId: { Ref: vpcId }, ResourceType: 'VPC', TrafficType: 'ALL' }),
    ]);
    const logGroupId = asRecord(flowLogs[0]?.LogGroupName).Ref;
    expect(asRecord(root().template.Resources[String(logGroupId)]?.Properties).RetentionInDays).toBe(
      FLOW_LOG_RETENTION,
    );
  });

  it("puts the cluster in the platform's subnets and its security group in the platform's VPC", () => {
    const service = scopeOf(synth, 'ledger');
    const [, group] = resourcesOf(service, 'AWS::RDS::DBSubnetGroup')[0] ?? [];
    const subnetIds = resourcesOf(root(), 'AWS::EC2::Subnet').map(([id]) => id);
    const [vpcId] = resourcesOf(root(), 'AWS::EC2::VPC')[0] ?? [];
    // Nested stack parameters carry the references: resolve each to the root resource it names.
    const parameters = synth.platform.Resources[synth.serviceStackIds.ledger!]?.Properties?.Parameters as Record<
      string,
      unknown
    >;
    const viaParameter = (v: unknown) => parameters[String(asRecord(v).Ref)];
    expect((asRecord(group?.Properties).SubnetIds as unknown[]).map(viaParameter)).toEqual(
      subnetIds.map((id) => ({ Ref: id })),
    );
    const [, sg] = resourcesOf(service, 'AWS::EC2::SecurityGroup')[0] ?? [];
    expect(viaParameter(asRecord(sg?.Properties).VpcId)).toEqual({ Ref: vpcId });
  });

  it('is not created when no service has a database', async () => {
    const without = await synthTemplates({
      services: [widgets],
      apiEntry: PLATFORM_API_FIXTURE,
      consoleAssets: CONSOLE_FIXTURE,
    });
    const types = [synth.platform, without.platform].map((t) =>
      Object.values(t.Resources).some((r) => r.Type.startsWith('AWS::EC2::')),
    );
    expect(types).toEqual([true, false]);
  });
});
