// Query a SPARQL endpoint with Comunica and print the values of ?s as a JSON array.
// Usage: node comunica-query.js ENDPOINT QUERY   (run by tests/test_sparql_server.py)
const { QueryEngine } = require('@comunica/query-sparql');

(async () => {
  const engine = new QueryEngine();
  const stream = await engine.queryBindings(process.argv[3], {
    sources: [{ type: 'sparql', value: process.argv[2] }],
  });
  const rows = await stream.toArray();
  console.log(JSON.stringify(rows.map((row) => row.get('s').value)));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
