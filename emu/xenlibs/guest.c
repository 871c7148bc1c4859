/* guest.c: libxenguest.so.4.17 for oxenstored on the emulated host: the
 * two functions it binds (BIND_NOW) and never calls. */
#include <errno.h>

long xc_domain_resume(void);
long xc_domain_resume(void) { errno = ENOSYS; return -1; }
long xc_get_cpu_featureset(void);
long xc_get_cpu_featureset(void) { errno = ENOSYS; return -1; }
