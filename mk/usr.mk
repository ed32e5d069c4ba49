# usr.mk — the control utilities rump.sysctl and rump.halt (usr/, man pages
# docs/man/rump.sysctl.1 and rump.halt.1).  Clients of a rump_server: they
# link librumpclient.so and find it through an rpath relative to the
# binary, so they run from build/bin and from $(PREFIX)/bin alike.
# `make usr-local` builds variants with a kernel inside (librump.a), for
# trying the output formatting without a server.
USR_COMMON  := $(sort $(wildcard usr/common/*.c))
USR_HDRS    := $(wildcard usr/*/*.h) $(B)/include/rump/rump_syscalls.h \
	$(B)/include/rump/rumpdefs.h $(B)/include/rump/rumpclient.h
SYSCTL_SRC  := $(sort $(wildcard usr/sysctl/*.c)) $(USR_COMMON)
HALT_SRC    := $(sort $(wildcard usr/halt/*.c)) $(USR_COMMON)
USR_CFLAGS   = -std=gnu17 $(WARN) -D_GNU_SOURCE -I. -I$(B)/include $(CFLAGS)
USR_LINK     = -L$(B)/lib -lrumpclient -Wl,-rpath,'$$ORIGIN/../lib' -pthread
USR_LOCAL    = -DRUMPTOOL_LOCAL
USR_LOCALLIB = $(B)/lib/librump.a -pthread
MAN1DIR      = $(PREFIX)/share/man/man1
USR_BINS    := $(B)/bin/rump.sysctl $(B)/bin/rump.halt
USR_MAN1    := docs/man/rump.sysctl.1 docs/man/rump.halt.1

all: $(USR_BINS)

$(B)/bin/rump.sysctl: $(SYSCTL_SRC) $(USR_HDRS) $(B)/lib/librumpclient.so
	@mkdir -p $(dir $@)
	$(CC) $(USR_CFLAGS) -o $@ $(SYSCTL_SRC) $(USR_LINK)
$(B)/bin/rump.halt: $(HALT_SRC) $(USR_HDRS) $(B)/lib/librumpclient.so
	@mkdir -p $(dir $@)
	$(CC) $(USR_CFLAGS) -o $@ $(HALT_SRC) $(USR_LINK)

$(B)/usr-local/rump.sysctl: $(SYSCTL_SRC) $(USR_HDRS) $(B)/lib/librump.a
	@mkdir -p $(dir $@)
	$(CC) $(USR_CFLAGS) $(USR_LOCAL) -o $@ $(SYSCTL_SRC) $(USR_LOCALLIB)
$(B)/usr-local/rump.halt: $(HALT_SRC) $(USR_HDRS) $(B)/lib/librump.a
	@mkdir -p $(dir $@)
	$(CC) $(USR_CFLAGS) $(USR_LOCAL) -o $@ $(HALT_SRC) $(USR_LOCALLIB)

.PHONY: usr usr-local install-usr uninstall-usr
usr: $(USR_BINS)
usr-local: $(B)/usr-local/rump.sysctl $(B)/usr-local/rump.halt

install: install-usr
install-usr: $(USR_BINS)
	$(INSTALL) -d $(DESTDIR)$(PREFIX)/bin
	$(INSTALL) -m 755 $(USR_BINS) $(DESTDIR)$(PREFIX)/bin/

uninstall: uninstall-usr
uninstall-usr:
	rm -f $(DESTDIR)$(PREFIX)/bin/rump.sysctl $(DESTDIR)$(PREFIX)/bin/rump.halt
