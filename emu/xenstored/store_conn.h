/* store_conn.h: connections and the domains they act as (store.c) */
#ifndef HORDE_XS_STORE_CONN_H
#define HORDE_XS_STORE_CONN_H

#include "store_types.h"

/* Moves c to domid's list of connections, so that releasing a domain
 * finds its connections without a walk over all of them. */
void xsd_conn_set_domain(struct xs_conn *c, uint32_t domid);

#endif
