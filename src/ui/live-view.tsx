// The live phase: a header and one row per finished node printed once (<Static>, so hundreds of nodes never
// redraw), then the nodes still in flight with a spinner and their phase, and a summary line. Presentational.
import {Box, Static} from 'ink'
import {activeNodes, describeLive, formatElapsed, type LiveNode, type LiveState} from './live-state.js'
import {PHASE_LABEL} from './marks.js'
import {oneLine, padTo, plural, truncate, type Marks} from '../report/text.js'
import {StyledLine} from './styled-line.js'
import {seg, truncateLine, type Line} from './text.js'

export interface LiveViewProps {
  state: LiveState
  /** the clock (ms) and the spinner frame */
  now: number
  frame: number
  marks: Marks
  color: boolean
  columns: number
  rows: number
}

interface StaticItem {
  key: string
  line: Line
}

export function liveHeader(state: LiveState, marks: Marks): Line {
  const where = state.mode === 'bundle' ? 'bundle' : state.mode === 'local' ? 'local host' : state.mode === 'cluster' ? 'cluster' : null
  const line: Line = [seg('kubectl kr doctor', {bold: true})]
  if (where) line.push(seg(`  ${where}`))
  if (state.context) line.push(seg(` ${marks.sep} `, {dim: true}), seg(`context ${oneLine(state.context, 'expand')}`, {bold: true}))
  line.push(seg(` ${marks.sep} `, {dim: true}), seg(plural(state.order.length, 'node')))
  return line
}

/** the longest phase word and a gap */
const LABEL_W = Math.max(...Object.values(PHASE_LABEL).map((l) => l.length)) + 2

function nameWidth(state: LiveState, columns: number): number {
  return Math.min(Math.max(8, ...state.order.map((n) => n.length)), Math.max(8, Math.floor(columns * 0.4)))
}

export function nodeLine(node: LiveNode, state: LiveState, mark: Line[number], now: number, marks: Marks, columns: number): Line {
  const nameW = nameWidth(state, columns)
  const line: Line = [mark, seg(' '), seg(padTo(truncate(oneLine(node.name, 'expand'), nameW, marks.ellipsis), nameW), {bold: node.phase !== 'waiting'}), seg('  ')]
  if (node.phase === 'failed') {
    line.push(seg(`failed: ${oneLine(node.detail ?? 'unknown error', 'expand')}`, {tone: 'red'}))
  } else if (node.phase === 'collected') {
    line.push(seg(padTo(PHASE_LABEL.collected, LABEL_W), {tone: 'green'}), seg(formatElapsed(node.finishedAt! - (state.startedAt ?? node.finishedAt!)), {dim: true}))
  } else {
    line.push(seg(padTo(PHASE_LABEL[node.phase], LABEL_W), node.phase === 'waiting' ? {dim: true} : {tone: 'cyan'}))
    line.push(seg(formatElapsed(now - node.since), {dim: true}))
    if (node.detail) line.push(seg(`  ${oneLine(node.detail, 'expand')}`, {dim: true}))
  }
  return truncateLine(line, columns, marks.ellipsis)
}

export function staticItems(state: LiveState, marks: Marks, columns: number): StaticItem[] {
  if (state.mode === null && state.finished.length === 0) return []
  const items: StaticItem[] = [{key: '\u0000header', line: truncateLine(liveHeader(state, marks), columns, marks.ellipsis)}]
  for (const name of state.finished) {
    const node = state.nodes.get(name)
    if (!node) continue
    const mark = node.phase === 'failed' ? seg(marks.nodeFailed, {tone: 'red', bold: true}) : seg(marks.nodeDone, {tone: 'green', bold: true})
    items.push({key: name, line: nodeLine(node, state, mark, node.finishedAt ?? 0, marks, columns)})
  }
  return items
}

export function LiveView({state, now, frame, marks, color, columns, rows}: LiveViewProps) {
  const spinner = marks.spinner[frame % marks.spinner.length]
  const active = activeNodes(state)
  // the live region stays shorter than the screen: rows in flight first (probing, pulling, scheduled), then waiting
  const rank = {running: 0, pulling: 1, scheduled: 2, waiting: 3, collected: 4, failed: 4} as const
  const shown = [...active].sort((a, b) => rank[a.phase] - rank[b.phase]).slice(0, Math.max(1, rows - 4))
  const hidden = active.length - shown.length
  const done = state.stage === 'finished'
  const stopped = state.stage === 'stopped'
  const summary: Line = [
    done
      ? seg(marks.nodeDone, {tone: 'green', bold: true})
      : stopped
        ? seg(marks.nodeFailed, {tone: 'red', bold: true})
        : seg(spinner, {tone: state.interrupted ? 'yellow' : 'cyan'}),
    seg(' '),
    seg(describeLive(state, now, marks), state.interrupted ? {tone: 'yellow', bold: true} : {bold: done}),
  ]
  return (
    <Box flexDirection="column">
      <Static items={staticItems(state, marks, columns)}>{(item) => <StyledLine key={item.key} line={item.line} color={color} />}</Static>
      {shown.map((node) => (
        <StyledLine
          key={node.name}
          line={nodeLine(node, state, node.phase === 'waiting' || stopped ? seg(' ') : seg(spinner, {tone: 'cyan'}), stopped ? (state.finishedAt ?? now) : now, marks, columns)}
          color={color}
        />
      ))}
      {hidden > 0 ? <StyledLine line={[seg(`  ${marks.ellipsis} ${hidden} more in flight or waiting`, {dim: true})]} color={color} /> : null}
      <StyledLine line={truncateLine(summary, columns, marks.ellipsis)} color={color} />
    </Box>
  )
}
