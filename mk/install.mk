# install.mk — `make install PREFIX=... [DESTDIR=...]`: the library (shared
# and static), public headers, man pages and a pkg-config file.  Also gives
# the shared library its soname in $(B)/lib, so that programs linked with
# -Lbuild/lib -lrump run with LD_LIBRARY_PATH=build/lib.

# The pkg-config version is the kernel's kern.osrelease.
RUMP_VERSION := $(or $(shell sed -n -E \
    's/^\#define[[:space:]]+RUMP_OSRELEASE[[:space:]]+"(.*)"/\1/p' \
    sys/kern/sysctl_nodes.c 2>/dev/null),0.0.0)
LIBDIR  = $(PREFIX)/lib
INCDIR  = $(PREFIX)/include
MAN3DIR = $(PREFIX)/share/man/man3
PCDIR   = $(LIBDIR)/pkgconfig
MANPAGES := $(wildcard docs/man/*.3)
INSTALL ?= install

all: $(B)/lib/librump.so.0
$(B)/lib/librump.so.0: $(B)/lib/librump.so
	ln -sf librump.so $@

$(B)/rump.pc: rump.pc.in mk/install.mk
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(RUMP_VERSION)|g' \
	    rump.pc.in > $@

# The .pc file records PREFIX: rebuild it on every install.  The loader
# cache is refreshed when installing into one of its usual directories.
.PHONY: $(B)/rump.pc uninstall

install: all $(B)/rump.pc
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR)/rump \
	    $(DESTDIR)$(MAN3DIR) $(DESTDIR)$(PCDIR)
	$(INSTALL) -m 755 $(B)/lib/librump.so $(DESTDIR)$(LIBDIR)/librump.so.0
	ln -sf librump.so.0 $(DESTDIR)$(LIBDIR)/librump.so
	$(INSTALL) -m 644 $(B)/lib/librump.a $(DESTDIR)$(LIBDIR)/librump.a
	$(INSTALL) -m 644 $(B)/include/rump/*.h $(DESTDIR)$(INCDIR)/rump/
	$(INSTALL) -m 644 $(MANPAGES) $(DESTDIR)$(MAN3DIR)/
	$(INSTALL) -m 644 $(B)/rump.pc $(DESTDIR)$(PCDIR)/rump.pc
	@case "$(DESTDIR):$(LIBDIR)" in :/usr/lib|:/usr/local/lib) \
	    [ "$$(id -u)" != 0 ] || ldconfig || true ;; esac

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/librump.so.0 $(DESTDIR)$(LIBDIR)/librump.so \
	    $(DESTDIR)$(LIBDIR)/librump.a $(DESTDIR)$(PCDIR)/rump.pc
	rm -rf $(DESTDIR)$(INCDIR)/rump
	rm -f $(patsubst docs/man/%,$(DESTDIR)$(MAN3DIR)/%,$(MANPAGES))
