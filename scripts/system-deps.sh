#!/bin/sh
# Graphviz's `dot` draws the graphs. Install it where we can (Debian/Ubuntu as root);
# otherwise say how, and carry on: drawings then fall back to showing the DOT source.
if command -v dot >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Graphviz with apt-get ..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null) \
        && exit 0
fi
cat <<'MSG'
Graphviz is not installed, so graphs will show as DOT text instead of pictures.
Install it with one of:
    sudo apt-get install graphviz        # Debian, Ubuntu
    brew install graphviz                # macOS
    conda install -c conda-forge graphviz
MSG
