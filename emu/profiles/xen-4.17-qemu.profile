# horde latency profile: emu's modelled hypervisor (plan key
# emu_latency=FILE). An operation on a host of D domains takes
# (median + growth x D / 1000) x exp(sigma x z), z ~ N(0,1).
name = xen-4.17-qemu
source = Xen 4.17.7, dom0 Linux 6.1.0-57-amd64, libxcl; host (none) (QEMU Virtual CPU version 2.5+); run 4 of results/xen-bench.db: job libxcl, 1100 guests, started 2026-12-01T19:25:07Z UTC (make xen-bench, 2026-12-01, on a 2-core AMD EPYC machine)
memory = 4
# operation = median_ns growth_ns_per_1000_domains sigma
create = 2300933 679872 0.749
evtchn = 71799 7088 0.359
build = 15417111 1058358 0.537
gnttab = 760948 -237741 0.518
unpause = 163373 158483 0.573
destroy = 2030589 0 0.231
