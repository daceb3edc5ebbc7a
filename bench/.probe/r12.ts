import { ingestHandlerRow, readHandlerRow } from '../rows/handlers';
import { formatTable } from '../lib/report';
(async () => {
  const rows = [await readHandlerRow({ rounds: 200 }), await ingestHandlerRow({ rounds: 100 })];
  console.log(formatTable(rows)); console.log(JSON.stringify(rows.map(r => r.details)));
})();
