// Query a Triple/Quad Pattern Fragments interface with Comunica (its qpf source type, which
// reads the TPF and QPF hypermedia controls), one engine for every query.
// Usage: node comunica-fragments.js FRAGMENTS_URL < queries.json   (a JSON array of queries)
// Prints a JSON array with, per query, its solutions: variable name -> [term type, value,
// language, datatype]. Run by tests/test_fragments_clients.py.
const { QueryEngine } = require('@comunica/query-sparql');

function term(value) {
  if (!value) return null;
  const language = value.termType === 'Literal' ? value.language : '';
  const datatype = value.termType === 'Literal' ? value.datatype.value : '';
  return [value.termType, value.value, language, datatype];
}

(async () => {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const engine = new QueryEngine();
  const answers = [];
  for (const query of JSON.parse(input)) {
    const stream = await engine.queryBindings(query, {
      sources: [{ type: 'qpf', value: process.argv[2] }],
    });
    const rows = await stream.toArray();
    answers.push(rows.map((row) => Object.fromEntries(
      [...row].map(([variable, value]) => [variable.value, term(value)]),
    )));
  }
  console.log(JSON.stringify(answers));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
