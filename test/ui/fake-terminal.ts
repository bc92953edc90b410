// A terminal-like stdout and stdin for rendering Ink in interactive mode inside a test: stdout records every
// write (and calls the write callback, which Ink waits for on unmount); stdin takes typed keys.
import {EventEmitter} from 'node:events'

export class FakeTty extends EventEmitter {
  isTTY = true
  columns = 100
  rows = 30
  writes: string[] = []
  write = (chunk: string, encodingOrCallback?: unknown, callback?: unknown) => {
    this.writes.push(String(chunk))
    const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback
    if (typeof done === 'function') queueMicrotask(() => done())
    return true
  }
  get output(): string {
    return this.writes.join('')
  }
}

export class FakeStdin extends EventEmitter {
  isTTY = true
  isRaw = false
  private data: string | null = null
  setRawMode(on: boolean) {
    this.isRaw = on
  }
  setEncoding() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
  read() {
    const d = this.data
    this.data = null
    return d
  }
  type(data: string) {
    this.data = data
    this.emit('readable')
    this.emit('data', data)
  }
}
