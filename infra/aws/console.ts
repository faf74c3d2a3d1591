/**
 * The web console on AWS: its built files (`console/dist`) in a private bucket, served by
 * CloudFront through origin access control, over HTTPS only, with the security headers and
 * content security policy of `infra/api/console-headers.ts`; console routes (`/tickets/…`) are
 * answered with `index.html` by a CloudFront Function; `/config.json` (API and sign-in settings)
 * is written at deploy. Access logs: CloudFront's standard logs and S3 server access logs.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, Aws, DockerImage, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  Function as EdgeFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { Bucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, type ISource, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct, type IConstruct } from 'constructs';
import {
  CONSOLE_SECURITY_HEADERS,
  type ConsoleConfig,
  type ConsolePolicyOrigins,
  consoleContentSecurityPolicy,
} from '../api/console-headers';
import { ACCESS_LOG_DAYS, PRIVATE_BUCKET } from './bucket';
import { accept } from './nag';

/** The console's source folder; `npm run console:build` writes `console/dist`. */
export const CONSOLE_DIR = fileURLToPath(new URL('../../console', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * CloudFront Function (viewer request): a path whose last segment has no dot is a console route
 * (`/tickets/INC-0042`, `/callback`) and gets the app's `index.html`; files keep their path, so a
 * missing file stays an error instead of a page that says 200. Better than turning every 403/404
 * of the origin into `index.html`, which would also answer missing assets with HTML.
 */
export const SPA_ROUTES_FUNCTION = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.lastIndexOf('.') <= uri.lastIndexOf('/')) request.uri = '/index.html';
  return request;
}`;

/** Hashed build files (`assets/index-3f2a1c.js`) never change under their name. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

export interface ConsoleHostingProps {
  /** Resource name prefix (`itsm`); response headers policies are named per account, so the name carries the region too. */
  readonly prefix: string;
  /**
   * A folder of built console files to deploy as they are (tests, or a build made elsewhere:
   * `-c consoleAssets=<folder>`). Default: `console/`, built at synth with `npm run console:build`.
   */
  readonly assets?: string;
  /** Origins the content security policy allows the console to reach. */
  readonly policy: ConsolePolicyOrigins;
  /**
   * Bundling is off (templates only, never deployed): without a `console/` folder, an empty page
   * stands for the build, as CDK makes up the functions' asset hashes then.
   */
  readonly templatesOnly?: boolean;
}

export class ConsoleHosting extends Construct {
  readonly bucket: Bucket;
  readonly accessLogs: Bucket;
  readonly cdnLogs: Bucket;
  readonly distribution: Distribution;
  readonly headers: ResponseHeadersPolicy;
  /** `https://<distribution>.cloudfront.net`, no trailing slash. */
  readonly url: string;
  private readonly assets?: string;
  private readonly templatesOnly: boolean;

  constructor(scope: Construct, id: string, props: ConsoleHostingProps) {
    super(scope, id);
    this.assets = props.assets;
    this.templatesOnly = props.templatesOnly === true;
    // Kept when the stack is deleted, like every log of the deployment.
    this.accessLogs = new Bucket(this, 'AccessLogs', {
      ...PRIVATE_BUCKET,
      lifecycleRules: [{ expiration: Duration.days(ACCESS_LOG_DAYS) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudFront standard logs are delivered with an object ACL, so this bucket must accept ACLs
    // (CloudFront Developer Guide, "Configure standard logging (legacy)": bucket owner preferred).
    this.cdnLogs = new Bucket(this, 'CdnLogs', {
      ...PRIVATE_BUCKET,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(ACCESS_LOG_DAYS) }],
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'cdn-logs/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Rebuilt from the repository at every deploy: nothing in it needs keeping.
    this.bucket = new Bucket(this, 'Site', {
      ...PRIVATE_BUCKET,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'site/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const routes = new EdgeFunction(this, 'SpaRoutes', {
      code: FunctionCode.fromInline(SPA_ROUTES_FUNCTION),
      runtime: FunctionRuntime.JS_2_0,
      comment: 'Console routes (paths without a file extension) get index.html',
    });
    const h = CONSOLE_SECURITY_HEADERS;
    this.headers = new ResponseHeadersPolicy(this, 'Headers', {
      responseHeadersPolicyName: `${props.prefix}-console-${Aws.REGION}`,
      comment: 'Web console: CSP, HSTS, nosniff, no framing, referrer policy',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: consoleContentSecurityPolicy(props.policy), override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.seconds(h.strictTransportSecurity.maxAgeSeconds),
          includeSubdomains: h.strictTransportSecurity.includeSubdomains,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
      },
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'ITSM web console',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        // Content is never served over plain HTTP; a typed http:// URL is redirected, then HSTS holds.
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.headers,
        compress: true,
        functionAssociations: [{ function: routes, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      // North America and Europe edges only: the cheapest class; other viewers are served from them.
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.cdnLogs,
      logFilePrefix: 'cloudfront/',
    });
    this.url = `https://${this.distribution.distributionDomainName}`;
    accept(this.distribution, 'consoleNoWaf', 'consoleNoGeoRestriction', 'consoleDefaultCertificate');
  }

  /**
   * Deploys the built files and `/config.json`: hashed files first (kept a year in caches, and
   * old ones left in place, so a page loaded before a deploy still finds its chunks), then
   * `index.html` and `config.json` (revalidated on every load) and a CloudFront invalidation.
   */
  deploy(config: ConsoleConfig, after: IConstruct[]): void {
    const built = this.source();
    const files = new BucketDeployment(this, 'Files', {
      sources: [built],
      destinationBucket: this.bucket,
      exclude: ['index.html', 'config.json'],
      prune: false,
      cacheControl: [CacheControl.fromString(IMMUTABLE)],
      memoryLimit: 512,
    });
    const entry = new BucketDeployment(this, 'Entry', {
      sources: [built, Source.jsonData('config.json', config)],
      destinationBucket: this.bucket,
      exclude: ['*'],
      include: ['index.html', 'config.json'],
      prune: false,
      cacheControl: [CacheControl.noCache()],
      distribution: this.distribution,
      distributionPaths: ['/*'],
      memoryLimit: 512,
    });
    entry.node.addDependency(files, ...after);
    // Both deployments share one singleton function (CDK's, in Python) and its role.
    accept(
      files.handlerRole,
      'deploymentBasicExecution',
      'deploymentGetObject',
      'deploymentGetBucket',
      'deploymentList',
      'deploymentDeleteObject',
      'deploymentAbort',
      'deploymentStagedAssets',
      'deploymentConsoleObjects',
      'deploymentInvalidation',
    );
    for (const child of Stack.of(this).node.children) {
      if (child.node.id.startsWith('Custom::CDKBucketDeployment')) accept(child, 'deploymentRuntime');
    }
  }

  private source(): ISource {
    if (this.assets) {
      if (!existsSync(join(this.assets, 'index.html')))
        throw new Error(`console assets "${this.assets}" hold no index.html: build the console first`);
      return Source.asset(this.assets);
    }
    if (!existsSync(join(CONSOLE_DIR, 'package.json')) && !existsSync(join(CONSOLE_DIR, 'index.html'))) {
      if (this.templatesOnly) return Source.data('index.html', '<!doctype html><title>templates only</title>');
      throw new Error(
        `no console at ${CONSOLE_DIR}: add it, or deploy a build made elsewhere with -c consoleAssets=<folder with index.html>`,
      );
    }
    // Built at synth as the functions are bundled (and skipped with them when a test turns
    // bundling off). The build runs locally; the image is only what CDK's bundling type asks for.
    return Source.asset(CONSOLE_DIR, {
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22'),
        local: {
          tryBundle(outputDir: string): boolean {
            try {
              execFileSync('npm', ['run', 'console:build'], { cwd: REPO_ROOT, stdio: ['ignore', 2, 2] });
            } catch (err) {
              throw new Error(`npm run console:build failed; the console cannot be deployed: ${String(err)}`);
            }
            const dist = join(CONSOLE_DIR, 'dist');
            if (!existsSync(join(dist, 'index.html')))
              throw new Error(`npm run console:build wrote no ${join(dist, 'index.html')}`);
            cpSync(dist, outputDir, { recursive: true });
            return true;
          },
        },
      },
    });
  }
}
