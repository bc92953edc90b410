// One screen line of styled segments. Presentational.
import {Text} from 'ink'
import type {Line} from './text.js'

export function StyledLine({line, color}: {line: Line; color: boolean}) {
  if (line.length === 0 || line.every((s) => s.text === '')) return <Text> </Text>
  return (
    <Text wrap="truncate-end">
      {line.map((s, i) => (
        <Text key={i} color={color ? s.tone : undefined} bold={s.bold} dimColor={s.dim} inverse={s.inverse}>
          {s.text}
        </Text>
      ))}
    </Text>
  )
}
