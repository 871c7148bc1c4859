# terminal.gp: loaded by horde's figure scripts: the terminal follows the
# output's extension (.svg or .png), with the same size. The SVG's font is
# larger: the page shows it scaled to its width, and its text must stay
# readable there.
if (out[strlen(out)-3:] eq ".svg") {
    set terminal svg size 1200,1000 font "sans,15" dynamic
} else {
    set terminal pngcairo size 1200,1000 font ",12"
}
set output out
