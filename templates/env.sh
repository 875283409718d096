# Sourced by the template scripts: stops the calling script, naming every variable it needs
# that is unset or empty. Usage: require_env VAR...
require_env() {
  local missing=() var
  for var in "$@"; do
    [[ -n "${!var:-}" ]] || missing+=("$var")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    echo "error: set ${missing[*]} (see the top of $0)" >&2
    exit 2
  fi
}
