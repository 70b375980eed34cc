# python_lib.sh -- the Python the system tests' own clients run on (source it).
# SPDX-License-Identifier: BSD-3-Clause

# hz_python MODULE...: print the first python3 that imports every MODULE
# (Debian's /usr/bin/python3 first: it has python3-dnspython; a python3 earlier
# in PATH, pyenv or a venv, may not). Status 1, nothing printed, if none does.
hz_python() {
	local cand imports
	imports=$(IFS=,; echo "$*")
	for cand in /usr/bin/python3 python3; do
		if command -v "$cand" >/dev/null 2>&1 && "$cand" -c "import $imports" 2>/dev/null; then
			echo "$cand"
			return 0
		fi
	done
	return 1
}
