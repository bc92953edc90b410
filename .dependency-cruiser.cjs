// The layers of src/ (DESIGN.md, docs in README "Architecture"): arrows point down only. `npm test` runs this
// (test/architecture.test.ts); a wrong-way import fails CI. TypeScript 7 has no JS compiler API, so swc parses.
const LAYERS = {
  model: [],
  parsers: ['model'],
  probe: ['model', 'parsers'],
  expected: ['model', 'parsers'],
  checks: ['model', 'parsers', 'expected'],
  report: ['model'],
  infra: ['model', 'parsers', 'probe'],
  services: ['model', 'parsers', 'probe', 'expected', 'checks', 'report', 'infra'],
  ui: ['model', 'report'],
  commands: ['model', 'report', 'infra', 'services', 'ui'],
}

const allowed = (layer) => [layer, ...LAYERS[layer]].join('|')

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...Object.keys(LAYERS).map((layer) => ({
      name: `${layer}-imports-down-only`,
      comment: `src/${layer} may import only ${LAYERS[layer].length ? LAYERS[layer].join(', ') : 'nothing of ours'} (besides itself)`,
      severity: 'error',
      from: {path: `^src/${layer}/`},
      to: {path: '^src/', pathNot: `^src/(${allowed(layer)})/`},
    })),
    {
      name: 'no-cycles',
      severity: 'error',
      from: {path: '^src/'},
      to: {circular: true},
    },
    {
      name: 'world-only-in-infra',
      comment: 'client-node and execa are imported only in src/infra',
      severity: 'error',
      from: {path: '^src/', pathNot: '^src/infra/'},
      to: {path: 'node_modules/(@kubernetes/client-node|execa)/'},
    },
    {
      name: 'no-unknown-layer',
      comment: 'every file of src/ lives in one of the layers',
      severity: 'error',
      from: {path: '^src/', pathNot: `^src/(${Object.keys(LAYERS).join('|')})/`},
      to: {},
    },
  ],
  options: {
    doNotFollow: {path: 'node_modules'},
    parser: 'swc',
    tsPreCompilationDeps: true,
    tsConfig: {fileName: 'tsconfig.json'},
  },
}
