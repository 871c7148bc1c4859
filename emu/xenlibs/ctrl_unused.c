/* ctrl_unused.c: the rest of libxenctrl.so.4.17 that oxenstored binds
 * (its OCaml Xenctrl module links every stub in) and never calls on the
 * emulated host. oxenstored is linked with BIND_NOW, so each must exist;
 * each fails with ENOSYS. Declared without their real prototypes, which
 * only the caller's side uses. */
#include <errno.h>

#define UNUSED(name) long name(void); long name(void) { errno = ENOSYS; return -1; }
UNUSED(xc_assign_device) UNUSED(xc_cpumap_alloc) UNUSED(xc_deassign_device)
UNUSED(xc_domain_create) UNUSED(xc_domain_destroy)
UNUSED(xc_domain_increase_reservation_exact)
UNUSED(xc_domain_iomem_permission) UNUSED(xc_domain_ioport_permission)
UNUSED(xc_domain_irq_permission) UNUSED(xc_domain_max_vcpus)
UNUSED(xc_domain_pause) UNUSED(xc_domain_set_memmap_limit)
UNUSED(xc_domain_sethandle) UNUSED(xc_domain_setmaxmem)
UNUSED(xc_domain_shutdown) UNUSED(xc_domain_unpause)
UNUSED(xc_evtchn_alloc_unbound) UNUSED(xc_evtchn_reset)
UNUSED(xc_get_max_cpus) UNUSED(xc_getcpuinfo) UNUSED(xc_physinfo)
UNUSED(xc_readconsolering) UNUSED(xc_sched_credit_domain_get)
UNUSED(xc_sched_credit_domain_set) UNUSED(xc_sched_id)
UNUSED(xc_send_debug_keys) UNUSED(xc_shadow_control)
UNUSED(xc_test_assign_device) UNUSED(xc_vcpu_getaffinity)
UNUSED(xc_vcpu_getcontext) UNUSED(xc_vcpu_getinfo) UNUSED(xc_vcpu_setaffinity)
UNUSED(xc_version) UNUSED(xc_watchdog)
