// Placeholder until the Ink UI lands (issue 4): refuses clearly instead of half-drawing.
import {UserError} from '../services/errors.js'
import type {StartTui} from './session.js'

export const startTui: StartTui = () => {
  throw new UserError('the interactive UI is not in this build yet: use -o text, json, yaml or junit')
}
