# runs.gp: loaded by the overlay scripts: reads the list of runs (a CSV
# `horde report` writes: label,buckets_csv,cdf_csv a line) into the arrays
# labels, buckets and cdfs, n long. gnuplot takes 9 arguments at most, so
# the runs come in a file, as many as there are.
set datafile separator ","
stats list using 0 nooutput
n = STATS_records
array labels[n]
array buckets[n]
array cdfs[n]
set table $runs_read
plot list using (labels[int($0)+1] = strcol(1), buckets[int($0)+1] = strcol(2), \
                 cdfs[int($0)+1] = strcol(3), 0) with table
unset table
