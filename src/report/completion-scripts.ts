// The scripts `kubectl kr completion bash|zsh|fish` prints: completion for the `kubectl-kr` command itself, asking
// kubectl_complete-kr (the same completer kubectl runs for `kubectl kr <TAB>`) and honouring the directive on its
// last line (Cobra's: 2 = no space after the word, 4 = no file names).

export const SHELLS = ['bash', 'zsh', 'fish'] as const
export type Shell = (typeof SHELLS)[number]

const HEAD = (shell: Shell, load: string) => `# kubectl-kr completion for ${shell}. Load it with:
#   ${load}
# For \`kubectl kr <TAB>\` kubectl (1.26+) runs kubectl_complete-kr itself: enable kubectl's own completion
# (kubectl completion ${shell}) and keep kubectl_complete-kr on PATH next to kubectl-kr.
`

const BASH = `${HEAD('bash', 'source <(kubectl kr completion bash)   # e.g. in ~/.bashrc')}
_kubectl_kr() {
  local cur=\${COMP_WORDS[COMP_CWORD]} out last directive
  out=$(kubectl_complete-kr "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) || return 0
  last=\${out##*$'\\n'}
  directive=\${last#:}
  [[ $directive =~ ^[0-9]+$ ]] || directive=0
  out=\${out%"$last"}
  local IFS=$'\\n'
  COMPREPLY=($(printf '%s' "$out" | cut -f1 | grep -v '^$'))
  if (( \${#COMPREPLY[@]} == 0 && (directive & 4) == 0 )); then
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
  if (( directive & 2 )); then compopt -o nospace 2>/dev/null; fi
  return 0
}
complete -F _kubectl_kr kubectl-kr
`

const ZSH = `#compdef kubectl-kr
${HEAD('zsh', 'source <(kubectl kr completion zsh)   # e.g. in ~/.zshrc, after compinit')}
_kubectl_kr() {
  local out directive l
  local -a lines described
  out=$(kubectl_complete-kr "\${(@)words[2,CURRENT]}" 2>/dev/null) || return 1
  lines=("\${(@f)out}")
  directive=\${lines[-1]#:}
  [[ $directive == <-> ]] || directive=0
  for l in "\${(@)lines[1,-2]}"; do
    [[ -z $l ]] && continue
    if [[ $l == *$'\\t'* ]]; then described+=("\${\${l%%$'\\t'*}//:/\\\\:}:\${l#*$'\\t'}"); else described+=("\${l//:/\\\\:}"); fi
  done
  if (( \${#described} == 0 )); then
    (( directive & 4 )) || _files
    return
  fi
  if (( directive & 2 )); then _describe -t values 'kubectl kr' described -S ''; else _describe -t values 'kubectl kr' described; fi
}
compdef _kubectl_kr kubectl-kr
`

const FISH = `${HEAD('fish', 'kubectl kr completion fish | source   # e.g. in ~/.config/fish/config.fish')}
function __kubectl_kr_complete
    set -l args (commandline -opc)[2..-1] (commandline -ct)
    set -l out (kubectl_complete-kr $args 2>/dev/null)
    or return
    set -l directive (string replace -r '^:' '' -- $out[-1])
    set -l items $out[1..-2]
    if test (count $items) -eq 0; and test (math "$directive % 8 - $directive % 4") -eq 0
        __fish_complete_path (commandline -ct)
        return
    end
    printf '%s\\n' $items
end
complete -c kubectl-kr -f -a '(__kubectl_kr_complete)'
`

export function completionScript(shell: Shell): string {
  return shell === 'bash' ? BASH : shell === 'zsh' ? ZSH : FISH
}
