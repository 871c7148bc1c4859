/* store_ops.h: the request handlers and the dispatch of a message
 * to its handler (xs_store_request, in store_ops.c) */
#ifndef HORDE_XS_STORE_OPS_H
#define HORDE_XS_STORE_OPS_H

#include "store_types.h"

int xsd_do_read(const struct req *r);
int xsd_do_directory(const struct req *r);
int xsd_do_directory_part(const struct req *r);
int xsd_do_get_perms(const struct req *r);
int xsd_do_write(const struct req *r);
int xsd_do_mkdir(const struct req *r);
int xsd_do_rm(const struct req *r);
int xsd_do_set_perms(const struct req *r);
int xsd_do_introduce(const struct req *r);
int xsd_do_release(const struct req *r);
int xsd_do_is_domain_introduced(const struct req *r);
int xsd_do_get_domain_path(const struct req *r);
int xsd_do_resume(const struct req *r);
int xsd_do_set_target(const struct req *r);
int xsd_do_control(const struct req *r);
int xsd_do_reset_watches(const struct req *r);

#endif
