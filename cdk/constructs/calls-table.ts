import type { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { CALLS_TABLE, type IndexName } from '../../lib/store/table-schema';

export interface CallsTableProps {
  removalPolicy: RemovalPolicy;
  /** A DynamoDB stream of the table's changes (the Cekura forwarder reads NEW_IMAGE); none by default. */
  stream?: dynamodb.StreamViewType;
}

/** The calls table, built from the same schema constants the DynamoDB adapter and local mode use. */
export class CallsTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: CallsTableProps) {
    super(scope, id);

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: CALLS_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      // Call volume differs per install and comes in bursts: no capacity to plan or to pay for idle.
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: CALLS_TABLE.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy,
      ...(props.stream ? { stream: props.stream } : {}),
    });

    for (const index of Object.values(CALLS_TABLE.indexes)) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        // Reads answer from the index alone, so it must carry the call document and its expiry.
        projectionType: dynamodb.ProjectionType.INCLUDE,
        nonKeyAttributes: [...CALLS_TABLE.projectedAttributes],
      });
    }
  }

  /** ARN of one index, for IAM statements that must not reach the base table. */
  indexArn(name: IndexName): string {
    return `${this.table.tableArn}/index/${CALLS_TABLE.indexes[name].name}`;
  }
}
