#!/usr/bin/env bash
# Formats on the command line (issue #12): --format, by file name with
# auto, by content on standard input; --controls; -r never takes backups
# nor our own temporary files; the report names the format.
set -u
. "$(dirname "$0")/util/cli_lib.sh"

cd "$T"
# The stop hook's lines, one per run on standard input, default flags.
while IFS= read -r line; do
  got=$(printf '%s\n' "$line" | "$Z" -q)
  expect "unchanged on stdin: $line" "$line" "$got"
done <<'EOF'
let opts = {"title": "用户手册", "lang": "zh"};
UPDATE users SET note='已审核,通过' WHERE id=3;
echo "安装完成: $PREFIX/bin"
参考 https://example.org/文档/安装?lang=zh&v=2 第三节
Überprüfung der Größe: naïve Ansätze, “quoted”.
Тест: проверка кодировки, «кавычки».
EOF
expect "prose on stdin is still fixed" "他说，你好。" "$(printf '他说,你好.\n' | "$Z" -q)"

# By file name.
printf '{"title": "偏好设置", "desc": "你好,世界"}\n' > a.json
printf 'name: 注音\ndesc: 你好,世界\n' > a.yaml
printf 'x = "你好,世界"  # 注释,说明\n' > a.py
printf -- '- 列表,说明\n\n```\n代码,不变\n```\n' > a.md
run a.json; expect "json by name" '{"title": "偏好设置", "desc": "你好,世界"}' "$(cat out)"
run a.yaml; expect "yaml by name" "$(cat a.yaml)" "$(cat out)"
run a.py; expect "python by name" 'x = "你好,世界"  # 注释，说明' "$(cat out)"
run a.md; expect "markdown by name" "$(printf -- '- 列表，说明\n\n```\n代码,不变\n```')" "$(cat out)"
# --format overrides the name; the same file read as text
run --format=text a.py; same "--format=text: an assignment is code" a.py out
run --format=data a.py; same "--format=data changes nothing" a.py out
# on stdin the content decides; --format still wins
"$Z" < a.json > out 2> err; same "json on stdin" a.json out
"$Z" --format=python < a.py > out 2> err
expect "--format on stdin" 'x = "你好,世界"  # 注释，说明' "$(cat out)"
run --format=cobol a.py
expect "unknown format: exit" 2 $rc
has "unknown format: message" err "invalid value 'cobol' for --format"
run --report=json a.py
has "report names the format" err '"format": "python"'
run --jsonl --report=json < /dev/null
expect "jsonl runs" 0 $rc

# Control characters stay unless asked.
printf '\033[31m错误\033[0m: 文件不存在,请检查\f\n' > c.txt
run c.txt
expect "controls kept" "$(printf '\033[31m错误\033[0m：文件不存在，请检查\f')" "$(cat out)"
run --controls=strip c.txt
expect "--controls=strip" "错误：文件不存在，请检查" "$(cat out)"
run --controls=eat c.txt
expect "--controls: bad value" 2 $rc

# -r -i --backup twice: no FILE~~, and the backups are not processed.
mkdir -p t/sub
printf '他说,你好.\n' > t/a.txt
printf '她说,再见.\n' > t/sub/b.md
printf '临时,文件.\n' > t/.a.txt.zhfix-AbC123
run -r -i --backup t
expect "first run" 0 $rc
run -r -i --backup t
expect "second run" 0 $rc
printf '又一行,内容.\n' >> t/a.txt
run -r -i --backup t
expect "third run" 0 $rc
expect "no FILE~~" "" "$(cd t && find . -name '*~~' | sort | tr '\n' ' ')"
expect "the backup is the file as this run found it, not processed" \
  "$(printf '他说，你好。\n又一行,内容.')" "$(cat t/a.txt~)"
run -r --check --hidden t
expect "--hidden: our temporary files and backups are not taken" "" "$(grep -E 'zhfix-|~$' out)"
printf '另一,备份.\n' > t/c.txt.orig
run -r --check --backup=.orig -i t
run -r --check t
has "without --backup, .orig files are ordinary files" out 't/c.txt.orig'
run -r -i --backup=.orig t
expect "a run with --backup=.orig leaves FILE.orig alone" "另一,备份." "$(cat t/c.txt.orig)"
run --check t/a.txt~
expect "a backup named on the command line is processed" 1 $rc

echo "$(basename "$0"): $n checks, $fails failed"
[ "$fails" -eq 0 ]
