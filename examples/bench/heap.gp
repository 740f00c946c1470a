# heap.gp — wgc's heap over one churn run (run.sh calls it).
#   gnuplot -e "csv='heap.csv'; out='heap.svg'; title='...'; what='...'; xl='...'; ncols=N" heap.gp
# csv: time in ms, then one column per series in MiB (trace2csv.js);
# what: where the data come from; xl: the x axis' label.
set terminal svg size 960,540 dynamic noenhanced font 'sans,12' background rgb 'white'
set output out
set datafile separator ','
set datafile missing ''
set key autotitle columnhead top left box opaque
set title sprintf("%s\n(from %s)", title, what)
set xlabel xl
set ylabel 'MiB'
set yrange [0:*]
set grid
plot for [i=2:ncols] csv using 1:i with lines linewidth 2
