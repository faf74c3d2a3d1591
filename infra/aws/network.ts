/**
 * The network of the query stores (ADR 25), created only when some service has a database:
 * one VPC with isolated subnets in two Availability Zones (an Aurora DB subnet group needs
 * two), and nothing that reaches the internet: no public subnets, no internet gateway, no NAT
 * gateways (each NAT gateway bills about $33 a month idle). Nothing needs them: functions stay
 * outside the VPC and reach the clusters through the RDS Data API, an AWS endpoint, so the
 * only thing inside is each cluster's writer instance behind a security group with no ingress.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { FlowLogDestination, FlowLogTrafficType, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export const NETWORK_AZS = 2;
/** Flow logs are for looking at something that just happened (a rejected connection), not an archive. */
export const FLOW_LOG_RETENTION = RetentionDays.TWO_WEEKS;

export class QueryStoreNetwork extends Construct {
  readonly vpc: Vpc;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.vpc = new Vpc(this, 'Vpc', {
      maxAzs: NETWORK_AZS,
      natGateways: 0,
      // Isolated subnets only: CDK adds an internet gateway only for public subnets.
      subnetConfiguration: [{ name: 'Database', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      // Restricting the default security group needs a custom resource (a Lambda function with an
      // AWS managed policy). Nothing is ever placed in it: each cluster has its own group.
      restrictDefaultSecurityGroup: false,
    });
    // Flow logs of every ENI in the VPC (cdk-nag VPC7): who tried to reach a cluster, accepted or not.
    const logGroup = new LogGroup(this, 'FlowLogs', {
      retention: FLOW_LOG_RETENTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: FlowLogDestination.toCloudWatchLogs(logGroup),
      trafficType: FlowLogTrafficType.ALL,
    });
  }
}
