/**
 * Jest globalSetup: starts DynamoDB Local ONCE per test run (in memory, on a free port) and exports its
 * endpoint as DYNAMODB_ENDPOINT, which the test workers inherit. Skipped when DYNAMODB_ENDPOINT is
 * already set (e.g. pointing at a DynamoDB Local you run yourself).
 */
import { detectJava, startEmbeddedDynamo } from '../../local/embedded-dynamodb';
import { EMBEDDED_DYNAMO_KEY, type GlobalWithDynamo } from './global-state';

export default async function globalSetup(): Promise<void> {
  if (process.env.DYNAMODB_ENDPOINT) return;
  if (!detectJava()) {
    throw new Error(
      'The tests need Java 17+ to run DynamoDB Local (CI installs it), but none was found ' +
        '(checked $JAVA_HOME/bin/java and java on PATH). Install a JDK 17+ (e.g. `apt-get install openjdk-17-jre-headless`), ' +
        'or set DYNAMODB_ENDPOINT to a DynamoDB Local that is already running.',
    );
  }
  // Local mode waits 30 s for the JVM; a test run shares the machine with other runs (load average 35 on 2
  // cores was seen, and DynamoDB Local did not answer in 30 s), so it waits longer.
  const db = await startEmbeddedDynamo({ backend: 'dynamodb-local', startTimeoutMs: 180_000 });
  process.env.DYNAMODB_ENDPOINT = db.endpoint;
  (globalThis as GlobalWithDynamo)[EMBEDDED_DYNAMO_KEY] = db;
}
