// The results browser as printed: a screen of styled lines, exactly the terminal's height. Presentational.
import {Box} from 'ink'
import {StyledLine} from './styled-line.js'
import type {Line} from './text.js'

export function ResultsView({lines, color, width}: {lines: readonly Line[]; color: boolean; width: number}) {
  return (
    <Box flexDirection="column" width={width} height={lines.length}>
      {lines.map((line, i) => (
        <StyledLine key={i} line={line} color={color} />
      ))}
    </Box>
  )
}
