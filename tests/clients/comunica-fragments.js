// Query a Triple/Quad Pattern Fragments interface with Comunica (its qpf source type, which
// reads the TPF and QPF hypermedia controls) and print every solution as a JSON array of
// objects: variable name -> [term type, value, language, datatype].
// Usage: node comunica-fragments.js FRAGMENTS_URL QUERY   (run by tests/test_fragments_clients.py)
const { QueryEngine } = require('@comunica/query-sparql');

function term(value) {
  if (!value) return null;
  const language = value.termType === 'Literal' ? value.language : '';
  const datatype = value.termType === 'Literal' ? value.datatype.value : '';
  return [value.termType, value.value, language, datatype];
}

(async () => {
  const engine = new QueryEngine();
  const stream = await engine.queryBindings(process.argv[3], {
    sources: [{ type: 'qpf', value: process.argv[2] }],
  });
  const rows = await stream.toArray();
  console.log(JSON.stringify(rows.map((row) => Object.fromEntries(
    [...row].map(([variable, value]) => [variable.value, term(value)]),
  ))));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
