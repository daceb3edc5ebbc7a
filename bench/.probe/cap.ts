import { startEmbeddedDynamo } from '../../local/embedded-dynamodb';
import { DynamoDBClient, CreateTableCommand, BatchWriteItemCommand, QueryCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
async function main() {
  const db = await startEmbeddedDynamo({ backend: 'dynamodb-local' });
  const c = new DynamoDBClient({ endpoint: db.endpoint, region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  try {
    await c.send(new CreateTableCommand({ TableName: 'ttt', BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'num', AttributeType: 'S' }, { AttributeName: 'ts', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], GlobalSecondaryIndexes: [{ IndexName: 'byNumber', KeySchema: [{ AttributeName: 'num', KeyType: 'HASH' }, { AttributeName: 'ts', KeyType: 'RANGE' }], Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['doc'] } }] }));
    for (const [n, size, count] of [['a', 100, 10], ['b', 3000, 10], ['c', 5000, 10], ['d', 300000, 12]] as const) {
      for (let i = 0; i < count; i++) {
        const r = await c.send(new PutItemCommand({ TableName: 'ttt', Item: { pk: { S: `${n}${i}` }, num: { S: n }, ts: { S: String(i).padStart(3, '0') }, doc: { S: 'x'.repeat(size) }, other: { S: 'y'.repeat(1000) } }, ReturnConsumedCapacity: 'TOTAL' }));
        if (i === 0) console.log('put', n, JSON.stringify(r.ConsumedCapacity));
      }
      for (const limit of [1, 5, 20]) {
        const q = await c.send(new QueryCommand({ TableName: 'ttt', IndexName: 'byNumber', KeyConditionExpression: 'num = :n', ExpressionAttributeValues: { ':n': { S: n } }, Limit: limit, ReturnConsumedCapacity: 'INDEXES', ProjectionExpression: 'doc' }));
        console.log('query', n, size, 'limit', limit, 'count', q.Count, JSON.stringify(q.ConsumedCapacity), 'LEK', !!q.LastEvaluatedKey);
      }
    }
  } finally { c.destroy(); await db.stop(); }
}
main();
