/*
 * rumptool.h — what the control utilities (rump.sysctl, rump.halt) share:
 * getting a kernel to talk to.  Normally that is the rump_server named by
 * $RUMP_SERVER, reached through librumpclient; built with -DRUMPTOOL_LOCAL
 * a tool boots a kernel inside itself instead (librump), which is how its
 * output formatting is tested without a server.
 */
#ifndef RUMP_USR_RUMPTOOL_H
#define RUMP_USR_RUMPTOOL_H

/*
 * Connects to the kernel.  On failure prints exactly one line,
 * "PROG: reason", on stderr and returns -1.
 */
int rumptool_init(void);

/* The program's name as invoked, for messages ("rump.sysctl"). */
const char *rumptool_progname(void);

/* For getopt's '?': "PROG: unknown option -- c" on stderr. */
void rumptool_badopt(void);

/* True for errors meaning the connection to the server is gone. */
int rumptool_lostconn(int error);

#endif /* RUMP_USR_RUMPTOOL_H */
