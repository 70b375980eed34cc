#!/usr/bin/env bash
# test_yaml_compat.sh -- what horizond accepts as a config is YAML to every
# other tool: each .yaml file in the repository that horizond's config
# parser accepts (horizond --check reports no error at the config file
# itself; zone files may be missing) loads with PyYAML's safe_load, and so
# do the config the differential suite generates (test/diff/gen.py) and the
# yaml examples in README.md and docs/*.md.
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
hz_init
python3 -c 'import yaml' 2>/dev/null || { echo "SKIP - python3-yaml is not installed"; exit 77; }

# safe_load FILE: PyYAML's verdict, the error text on failure.
safe_load() {
	python3 -c 'import sys, yaml
try:
    yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
except yaml.YAMLError as e:
    sys.exit(str(e))' "$1" 2>&1
}

# config_accepted FILE: horizond --check prints no error at FILE:LINE.
# (A config with errors stops before its zones are read, so an error that
# names the config file is the config parser's.)
config_accepted() {
	local out
	out=$(cd "$HZ_TMP" && timeout 20 "$HORIZOND" -c "$1" --check 2>&1 </dev/null)
	printf '%s\n' "$out" | awk -v f="$1:" '
		index($0, f) == 1 && substr($0, length(f) + 1) ~ /^[0-9]+: / &&
		substr($0, length(f) + 1) !~ /^[0-9]+: warning: / { bad = 1 }
		# read only for INTERFACE.md'"'"'s sake, and said to be no YAML
		index($0, f) == 1 && /is not valid YAML/ { bad = 1 }
		END { exit bad }'
}

files=$(cd "$HZ_SOURCE_DIR" && find . \( -name '.git' -o -name 'build*' \) -prune -o \
	-name '*.yaml' -type f -print | sort)
python3 "$HZ_SOURCE_DIR/test/diff/gen.py" "$HZ_TMP/diff" 5300 5302 >/dev/null ||
	hz_fail "test/diff/gen.py writes its configs"
accepted=0
for f in $files "$HZ_TMP/diff/horizond.yaml"; do
	case $f in ./*) path=$HZ_SOURCE_DIR/${f#./} ;; *) path=$f ;; esac
	config_accepted "$path" || continue
	accepted=$((accepted + 1))
	if err=$(safe_load "$path"); then
		hz_ok "accepted and valid YAML: ${f#./}"
	else
		hz_fail "horizond accepts ${f#./}, PyYAML does not" "$err"
	fi
done

# The configs every reader is pointed at must be among them (a broken
# config_accepted would otherwise skip everything silently).
for f in zones/horizond.yaml test/data/conf/good-full.yaml test/data/conf/good-interface.yaml \
	test/data/conf/good-tags.yaml; do
	if config_accepted "$HZ_SOURCE_DIR/$f"; then
		hz_ok "horizond accepts $f"
	else
		hz_fail "horizond rejects $f"
	fi
done
if config_accepted "$HZ_SOURCE_DIR/test/data/conf/bad-unquoted.yaml"; then
	hz_fail "horizond accepts bad-unquoted.yaml (unquoted !lan)"
else
	hz_ok "horizond rejects bad-unquoted.yaml (unquoted !lan)"
fi
echo "# $accepted configs accepted by horizond"

# The examples in the docs: every ```yaml block, with the "..." lines that
# stand for omitted keys left out, is valid YAML.
if err=$(cd "$HZ_SOURCE_DIR" && python3 - README.md docs/*.md <<'EOF' 2>&1
import re, sys, yaml
bad = 0
for path in sys.argv[1:]:
    text = open(path, encoding="utf-8").read()
    for m in re.finditer(r"^```ya?ml\n(.*?)^```", text, re.S | re.M):
        block = "\n".join(l for l in m.group(1).split("\n") if l.strip() != "...")
        try:
            yaml.safe_load(block)
        except yaml.YAMLError as e:
            line = text.count("\n", 0, m.start()) + 1
            print(f"{path}:{line}: {e}".replace("\n", " "))
            bad += 1
sys.exit(1 if bad else 0)
EOF
); then
	hz_ok "every yaml example in README.md and docs/*.md is valid YAML"
else
	hz_fail "yaml examples in the docs that PyYAML rejects" "$err"
fi
hz_done
