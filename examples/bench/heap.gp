# heap.gp — wgc's heap over one churn run (run.sh calls it).
#   gnuplot -e "csv='heap.csv'; out='heap.svg'; what='source'; ncols=N" heap.gp
# csv: time in ms, then one column per series in MiB (trace2csv.js).
set terminal svg size 960,540 dynamic enhanced font 'sans,12' background rgb 'white'
set output out
set datafile separator ','
set datafile missing ''
set key autotitle columnhead top left box opaque
set title sprintf("wgc on wasm, churn workload: heap and heap goal over time\n{/*0.8 from %s}", what)
set xlabel 'time in the program (ms)'
set ylabel 'MiB'
set yrange [0:*]
set grid
plot for [i=2:ncols] csv using 1:i with lines linewidth 2
