#!/bin/sh
# Install PhotoShare for the current user (no root needed):
#   the binary           -> ~/.local/bin/photoshare
#   the desktop entry    -> ~/.local/share/applications/photoshare.desktop
#   the icon             -> ~/.local/share/icons/hicolor/<size>/apps/photoshare.{png,svg}
#
#   sh install.sh                      # the photoshare binary next to this script (or dist/photoshare)
#   sh install.sh --binary ~/Downloads/photoshare
#   sh install.sh --uninstall          # removes those files; photos, accounts and settings stay
#
# XDG_BIN_HOME and XDG_DATA_HOME move the targets, as the XDG base directory rules say.
set -eu

here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
bin_dir=${XDG_BIN_HOME:-$HOME/.local/bin}
data_home=${XDG_DATA_HOME:-$HOME/.local/share}
apps_dir=$data_home/applications
icons_dir=$data_home/icons/hicolor
sizes="48 128 256 512"
binary=""
action=install

usage() {
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
    case $1 in
        --binary) [ $# -ge 2 ] || { echo "install.sh: --binary needs a path" >&2; exit 2; }; binary=$2; shift 2 ;;
        --binary=*) binary=${1#--binary=}; shift ;;
        --uninstall) action=uninstall; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "install.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done

refresh_caches() {
    # Menus and icon themes pick the change up at once where these tools exist; elsewhere at next login.
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$apps_dir" 2>/dev/null || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t -f "$icons_dir" 2>/dev/null || true
}

if [ "$action" = uninstall ]; then
    rm -f "$bin_dir/photoshare" "$apps_dir/photoshare.desktop" "$icons_dir/scalable/apps/photoshare.svg"
    for size in $sizes; do
        rm -f "$icons_dir/${size}x${size}/apps/photoshare.png"
    done
    refresh_caches
    echo "PhotoShare is uninstalled."
    echo "Your data is still there; delete it yourself if you mean to:"
    echo "  server data (photos, accounts):  ${XDG_DATA_HOME:-$HOME/.local/share}/photoshare"
    echo "  the app's session and caches:    ${XDG_CONFIG_HOME:-$HOME/.config}/photoshare"
    exit 0
fi

# The files travel together: in a release folder next to this script, in a checkout under dist/ and assets/.
if [ -z "$binary" ]; then
    for candidate in "$here/photoshare" "$here/../dist/photoshare"; do
        if [ -f "$candidate" ]; then binary=$candidate; break; fi
    done
fi
if [ -z "$binary" ] || [ ! -f "$binary" ]; then
    echo "install.sh: no photoshare binary found; give it with --binary PATH (build one with packaging/build.sh)" >&2
    exit 1
fi
icons_src=""
for candidate in "$here/icons" "$here/../assets/icons"; do
    if [ -f "$candidate/photoshare.svg" ]; then icons_src=$candidate; break; fi
done
[ -n "$icons_src" ] || { echo "install.sh: the icons (icons/photoshare.svg) are missing beside this script" >&2; exit 1; }
[ -f "$here/photoshare.desktop" ] || { echo "install.sh: photoshare.desktop is missing beside this script" >&2; exit 1; }

mkdir -p "$bin_dir" "$apps_dir" "$icons_dir/scalable/apps"
# Through a temporary name, so a running photoshare is never overwritten in place.
cp "$binary" "$bin_dir/.photoshare.new"
chmod 0755 "$bin_dir/.photoshare.new"
mv -f "$bin_dir/.photoshare.new" "$bin_dir/photoshare"

# The menu starts the binary by its full path: ~/.local/bin is not on every desktop session's PATH.
sed "s|^Exec=photoshare|Exec=\"$bin_dir/photoshare\"|" "$here/photoshare.desktop" > "$apps_dir/photoshare.desktop"
chmod 0644 "$apps_dir/photoshare.desktop"

cp "$icons_src/photoshare.svg" "$icons_dir/scalable/apps/photoshare.svg"
for size in $sizes; do
    mkdir -p "$icons_dir/${size}x${size}/apps"
    cp "$icons_src/photoshare-$size.png" "$icons_dir/${size}x${size}/apps/photoshare.png"
done
refresh_caches

version=$("$bin_dir/photoshare" --version 2>/dev/null || echo "photoshare")
echo "Installed $version to $bin_dir/photoshare, with PhotoShare in your applications menu."
case ":$PATH:" in
    *":$bin_dir:"*) ;;
    *) echo "Note: $bin_dir is not on your PATH; add it (for example in ~/.profile) to type 'photoshare' in a terminal." ;;
esac
echo "Start a server with:  photoshare serve --host 0.0.0.0      (the first start prints a link to create the admin)"
echo "Open the app with:    photoshare app --server http://SERVER:8080"
