/* store_util.h: the helpers every part of the store uses: paths,
 * permissions, argument parsing, replies. They touch no tree, watch or
 * transaction logic. */
#ifndef HORDE_XS_STORE_UTIL_H
#define HORDE_XS_STORE_UTIL_H

#include "store_types.h"

char *xsd_memdup0(const char *p, size_t n);
int xsd_perms_copy(struct perms *dst, const struct perms *src);
bool xsd_is_privileged(const struct xs_conn *c);
int xsd_access_of(const struct xs_conn *c, const struct perms *p);
void xsd_parent_path(const char *path, char *buf);
const char *xsd_basename_of(const char *path);
int xsd_canonical(const struct xs_conn *c, const char *in, char *out,
		     bool allow_special);
int xsd_scratch_reserve(struct xs_store *s, size_t len);
void xsd_send_msg(struct xs_conn *c, uint32_t type, uint32_t req_id,
		     uint32_t tx_id, const void *body, uint32_t len);
void xsd_reply(struct xs_conn *c, const struct xsd_sockmsg *req,
		  const void *body, uint32_t len);
void xsd_reply_ok(struct xs_conn *c, const struct xsd_sockmsg *req);
/* Replies with the error err (an errno xs_wire.h names). */
void xsd_reply_error(struct xs_conn *c, const struct xsd_sockmsg *req,
		     int err);
int xsd_split(const char *body, uint32_t len, const char **argv, int max);
int xsd_parse_perms(const char **argv, int n, struct perms *out);
int xsd_parse_domid(const char *s, uint32_t *out);
/* The connection's transaction id, or NULL. */
struct txn *xsd_txn_find(struct xs_conn *c, uint32_t id);

#endif
