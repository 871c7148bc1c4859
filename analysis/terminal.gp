# terminal.gp: loaded by horde's figure scripts: the terminal follows the
# output's extension (.svg or .png), with the same size and font.
if (out[strlen(out)-3:] eq ".svg") {
    set terminal svg size 1200,900 font "sans,10" dynamic
} else {
    set terminal pngcairo size 1200,900 font ",10"
}
set output out
