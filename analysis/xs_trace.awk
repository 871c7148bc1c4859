# xs_trace.awk: what each created guest costs a XenStore daemon, read from
# cxenstored's own trace (-T, or `xenstore-control logfile`), by origin.
#
# usage: awk -v W=100 [-v TYPES=1] -f xs_trace.awk TRACE TRACE
#   (the file twice: the first pass learns who each connection is)
#
# Prints, for each window of W guests in the order they were introduced:
#   guests FIRST-LAST ORIGIN REQUESTS EVENTS
# the requests the origin sent and the watch events it was sent, a guest
# of the window on average. With TYPES=1, also each message type:
#   type FIRST-LAST ORIGIN TYPE COUNT
# With DUMP=D, first every message charged to guest D, in order:
#   ORIGIN IN|OUT TYPE PAYLOAD
#
# The trace's lines (tools/xenstore/xenstored_core.c, trace_io and
# trace_create) are
#   IN|OUT CONN DATE TIME TYPE (PAYLOAD )   payload's nuls as spaces
#   CREATE|DESTROY connection CONN
# A connection's origin:
#   guest      created while an INTRODUCE was being handled
#   console    sent watch events with xenconsoled's tokens ("domlist",
#              "domN": tools/console/daemon/io.c)
#   kernel     sent watch events with Linux's tokens (a watch's address,
#              "%lX": drivers/xen/xenbus/xenbus_xs.c)
#   harness    only ever reads: horde's own watch for late failures on
#              real Xen (xen/xen_late_faults.c), no part of a host's work
#   toolstack  any other (the toolstack and its vif hotplug)
# A connection's address may be reused once it is destroyed, so it is
# known by its address and how many times that address was created.
#
# Each message is charged to the guest its payload names (/local/domain/N,
# backend/TYPE/N, or the domain id INTRODUCE, RELEASE and GET_DOMAIN_PATH
# carry; a guest's own relative paths are its own); one that names none
# (a transaction's start or end, dom0's own paths, @introduceDomain's
# event) goes to the guest its connection last named, or for
# @introduceDomain and @releaseDomain to the guest introduced or released
# last.

function conn_id(ptr) { return ptr "#" gen[ptr] }

function domid_of(payload, conn,    m) {
	if (match(payload, /backend\/[a-z0-9]+\/[0-9]+/)) {
		m = substr(payload, RSTART, RLENGTH)
		sub(/.*\//, "", m)
		return m + 0
	}
	if (match(payload, /^\/local\/domain\/[0-9]+/)) {
		m = substr(payload, RSTART + 14, RLENGTH - 14)
		if (m + 0 > 0)
			return m + 0
	}
	if (match(payload, /^@introduceDomain/))
		return introduced_last
	if (match(payload, /^@releaseDomain/))
		return released_last
	if (conn in guest_of)
		return guest_of[conn]
	return -1
}

FNR == 1 { pass++; delete gen; introducing = ""; introduced_last = released_last = -1 }

$1 == "CREATE" && $2 == "connection" {
	gen[$3]++
	c = conn_id($3)
	if (introducing != "" && pass == 1)
		guest_of[c] = introducing
	next
}

$1 != "IN" && $1 != "OUT" { next }

{
	c = conn_id($2)
	type = $5
	payload = $0
	sub(/^[^(]*\(/, "", payload)
	sub(/ ?\)$/, "", payload)
	n = split(payload, word, " ")
}

$1 == "IN" && type == "INTRODUCE" { introducing = word[1] + 0; introduced_last = introducing }
$1 == "OUT" && type == "INTRODUCE" { introducing = "" }
$1 == "IN" && type == "RELEASE" { released_last = word[1] + 0 }

pass == 1 {
	if ($1 == "IN")
		writes[c] += type != "READ"
	if (type == "INTRODUCE" && $1 == "IN") {
		order[++nguests] = word[1] + 0
		is_toolstack[c] = 1
	}
	if ($1 == "OUT" && type == "WATCH_EVENT" && !(c in guest_of)) {
		token = word[n]
		if (token == "domlist" || token ~ /^dom[0-9]+$/)
			origin_of[c] = "console"
		else if (token ~ /^[0-9A-F]+$/ && length(token) >= 8)
			origin_of[c] = "kernel"
	}
	next
}

# Pass 2: charge each request and watch event.
{
	if (c in guest_of)
		origin = "guest"
	else if (c in origin_of)
		origin = origin_of[c]
	else if ((c in writes) && writes[c] == 0)
		origin = "harness"
	else
		origin = "toolstack"
	if ($1 == "OUT" && type != "WATCH_EVENT")
		next
	d = domid_of(payload, c)
	if (INTRO_ARG[type] && word[1] ~ /^[0-9]+$/)
		d = word[1] + 0
	if (d >= 0 && !(c in guest_of))
		last_domid[c] = d
	else if (d < 0 && (c in last_domid))
		d = last_domid[c]
	if (d <= 0)
		next
	kind = $1 == "IN" ? "req" : "evt"
	count[d, origin, kind]++
	if (TYPES)
		types[d, origin, type]++
	if (DUMP != "" && d == DUMP + 0)
		print origin, $1, type, payload
	origins[origin] = 1
	typenames[type] = 1
}

BEGIN {
	if (!W)
		W = 100
	INTRO_ARG["INTRODUCE"] = INTRO_ARG["RELEASE"] = 1
	INTRO_ARG["GET_DOMAIN_PATH"] = INTRO_ARG["IS_DOMAIN_INTRODUCED"] = 1
}

END {
	for (first = 1; first + W - 1 <= nguests; first += W) {
		last = first + W - 1
		for (o in origins) {
			req = evt = 0
			for (i = first; i <= last; i++) {
				req += count[order[i], o, "req"]
				evt += count[order[i], o, "evt"]
			}
			printf "guests %d-%d %s %.2f %.2f\n", first, last, o, req / W, evt / W
			if (!TYPES)
				continue
			for (t in typenames) {
				k = 0
				for (i = first; i <= last; i++)
					k += types[order[i], o, t]
				if (k)
					printf "type %d-%d %s %s %.2f\n", first, last, o, t, k / W
			}
		}
	}
}
