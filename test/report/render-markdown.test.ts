import assert from 'node:assert/strict'
import {test} from 'node:test'
import {renderMarkdown} from '../../src/report/render-markdown.js'
import {problemReport} from './sample-reports.js'

test('text from nodes cannot break out of code blocks, collapsed parts or headings', () => {
  const report = problemReport()
  const hostile = report.findings[0]
  hostile.title = 'boom</details><script>x</script> **bold** `code` | pipe'
  hostile.evidence = ['```', 'line with ```` four', '</details>', 'tail']
  hostile.remediation = ['rm -rf / # ```']
  hostile.subject = 'a`b'
  const md = renderMarkdown(report, {toolVersion: '9.9.9'})
  // the fence around the evidence is longer than any backtick run inside it
  assert.match(md, /<summary>Evidence[^<]*<\/summary>\n\n`````\n```\nline with ```` four\n<\/details>\ntail\n`````\n/)
  assert.match(md, /\n````\nrm -rf \/ # ```\n````\n/)
  const heading = md.split('\n').find((l) => l.includes('boom'))!
  assert.ok(heading.startsWith('### '), heading)
  assert.ok(!heading.includes('<script>') && !heading.includes('</details>'), heading)
  assert.match(heading, /boom\\<\/details\\>\\<script\\>x\\<\/script\\> \\\*\\\*bold\\\*\\\* \\`code\\` \\\| pipe/)
  assert.match(md, /Subject: ``a`b``/)
  // outside code blocks, the HTML tags are only ours
  let inBlock = false
  let fence = ''
  for (const line of md.split('\n')) {
    const m = /^(`{3,})/.exec(line)
    if (m && (!inBlock || m[1] === fence)) {
      inBlock = !inBlock
      fence = inBlock ? m[1] : ''
      continue
    }
    if (!inBlock) for (const tag of line.match(/<\/?[a-z]+>/g) ?? []) assert.ok(['<details>', '</details>', '<summary>', '</summary>', '<sub>', '</sub>'].includes(tag), `${tag} in ${line}`)
  }
})
