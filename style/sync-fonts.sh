#!/bin/sh
# Copies the self-hosted web fonts used by style/main.css from the pinned
# @fontsource npm packages into public/fonts/.
#
# Only the latin subset, woff2 only, and only the weights/styles main.css
# declares in its @font-face rules. The copied files are committed, so running
# the app never needs npm; run this script only to change or refresh fonts.
#
# Idempotent: `npm ci` installs exactly what package-lock.json pins, files are
# overwritten in place, and stale .woff2 files in public/fonts are removed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
dest="$here/../public/fonts"

cd "$here"
npm ci --no-audit --no-fund --loglevel=error

# package:file-stem pairs (file = node_modules/@fontsource/<pkg>/files/<stem>.woff2)
FONTS="
source-sans-pro:source-sans-pro-latin-300-normal
source-sans-pro:source-sans-pro-latin-400-normal
source-sans-pro:source-sans-pro-latin-400-italic
source-sans-pro:source-sans-pro-latin-600-normal
source-sans-pro:source-sans-pro-latin-700-normal
titillium-web:titillium-web-latin-700-normal
lora:lora-latin-400-normal
lora:lora-latin-400-italic
lora:lora-latin-700-normal
"

mkdir -p "$dest"
keep=""
for entry in $FONTS; do
  pkg=${entry%%:*}
  stem=${entry#*:}
  src="node_modules/@fontsource/$pkg/files/$stem.woff2"
  [ -f "$src" ] || { echo "missing $src" >&2; exit 1; }
  cp "$src" "$dest/$stem.woff2"
  keep="$keep $stem.woff2"
done

# SIL Open Font License texts travel with the font files.
for pkg in source-sans-pro titillium-web lora; do
  cp "node_modules/@fontsource/$pkg/LICENSE" "$dest/LICENSE-$pkg.txt"
done

# Drop fonts that are no longer listed above.
for f in "$dest"/*.woff2; do
  [ -e "$f" ] || continue
  name=$(basename "$f")
  case " $keep " in
    *" $name "*) ;;
    *) rm -f "$f"; echo "removed stale $name" ;;
  esac
done

echo "fonts in $dest:"
ls -l "$dest"
