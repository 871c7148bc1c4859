# horde latency profile: emu's modelled hypervisor (plan key
# emu_latency=FILE). An operation on a host of D domains takes
# (median + growth x D / 1000) x exp(sigma x z), z ~ N(0,1).
name = interim
source = interim figures until the lane's calibration lands
memory = 4
# operation = median_ns growth_ns_per_1000_domains sigma
create = 300000 0 0
evtchn = 5000 0 0
build = 580000 0 0
gnttab = 10000 0 0
unpause = 20000 0 0
destroy = 300000 0 0
