import {startTestCluster} from './index.js'
import {probeOutputFromBundle, DEMO_BUNDLE} from '../e2e/replay.js'
import {demoCluster} from '../../scripts/demo/cluster.js'
const cl = demoCluster()
const c = await startTestCluster({nodes: [{name: 'node-c', runtime: {kind: 'replay', log: probeOutputFromBundle(DEMO_BUNDLE, 'node-c'), runMs: 200}}], services: cl.services, endpointSlices: cl.endpointSlices, daemonSets: [{...cl.kubeRouter, apiVersion: 'apps/v1', kind: 'DaemonSet'}]})
await c.writeKubeconfig('/tmp/dbg.kubeconfig')
console.log('ready')
process.on('SIGTERM', async () => { for (const r of c.requests) console.log(r.method, r.path, JSON.stringify(r.query), r.status); await c.close(); process.exit(0) })
setInterval(() => {}, 1000)
