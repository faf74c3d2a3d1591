/**
 * The CDK app (`npx cdk synth`, `npx cdk deploy`; see infra/aws/README.md): the platform and
 * every service in SERVICES, checked by cdk-nag AwsSolutions at synth. Context: `stackName`
 * (default Itsm), `alarmEmail`, `archiveRetentionDays`.
 */
import { SERVICES } from '../../services/index';
import { createItsmApp } from './stack';

const { app } = createItsmApp({ services: SERVICES });
app.synth();
