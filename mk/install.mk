# install.mk — `make install PREFIX=... [DESTDIR=...]`: the libraries
# (kernel and client, shared and static; librumphijack.so), the server, public headers, man
# pages of every section and the pkg-config files (the rump.* tools
# install themselves from usr.mk).  Also gives
# the shared library its soname in $(B)/lib, so that programs linked with
# -Lbuild/lib -lrump run with LD_LIBRARY_PATH=build/lib.

# The pkg-config version is the kernel's kern.osrelease.
RUMP_VERSION := $(or $(shell sed -n -E \
    's/^\#define[[:space:]]+RUMP_OSRELEASE[[:space:]]+"(.*)"/\1/p' \
    sys/kern/sysctl_nodes.c 2>/dev/null),0.0.0)
LIBDIR  = $(PREFIX)/lib
INCDIR  = $(PREFIX)/include
MANDIR  = $(PREFIX)/share/man
BINDIR  = $(PREFIX)/bin
PCDIR   = $(LIBDIR)/pkgconfig
MANPAGES := $(wildcard docs/man/*.[1-9])
SERVER_BINS := rump_server rump_allserver
INSTALL ?= install

all: $(B)/lib/librump.so.0
$(B)/lib/librump.so.0: $(B)/lib/librump.so
	ln -sf librump.so $@

# explicit rules: make applies no pattern rule to a .PHONY target
$(B)/rump.pc: rump.pc.in
$(B)/rumpclient.pc: rumpclient.pc.in
$(B)/rump.pc $(B)/rumpclient.pc: mk/install.mk
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(RUMP_VERSION)|g' \
	    $(filter %.pc.in,$^) > $@

# The .pc file records PREFIX: rebuild it on every install.  The loader
# cache is refreshed when installing into one of its usual directories.
.PHONY: $(B)/rump.pc $(B)/rumpclient.pc uninstall

install: all $(B)/rump.pc $(B)/rumpclient.pc
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR)/rump \
	    $(DESTDIR)$(BINDIR) $(DESTDIR)$(PCDIR)
	for lib in librump librumpclient; do \
	    $(INSTALL) -m 755 $(B)/lib/$$lib.so $(DESTDIR)$(LIBDIR)/$$lib.so.0 && \
	    ln -sf $$lib.so.0 $(DESTDIR)$(LIBDIR)/$$lib.so && \
	    $(INSTALL) -m 644 $(B)/lib/$$lib.a $(DESTDIR)$(LIBDIR)/$$lib.a || exit 1; \
	done
	$(INSTALL) -m 755 $(B)/lib/librumphijack.so $(DESTDIR)$(LIBDIR)/
	$(INSTALL) -m 755 $(addprefix $(B)/bin/,$(SERVER_BINS)) $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 644 $(B)/include/rump/*.h $(DESTDIR)$(INCDIR)/rump/
	for page in $(MANPAGES); do \
	    sec=$${page##*.}; \
	    $(INSTALL) -d $(DESTDIR)$(MANDIR)/man$$sec && \
	    $(INSTALL) -m 644 $$page $(DESTDIR)$(MANDIR)/man$$sec/ || exit 1; \
	done
	$(INSTALL) -m 644 $(B)/rump.pc $(B)/rumpclient.pc $(DESTDIR)$(PCDIR)/
	@case "$(DESTDIR):$(LIBDIR)" in :/usr/lib|:/usr/local/lib) \
	    [ "$$(id -u)" != 0 ] || ldconfig || true ;; esac

uninstall:
	rm -f $(foreach l,librump librumpclient,$(addprefix $(DESTDIR)$(LIBDIR)/$(l),.so.0 .so .a)) \
	    $(DESTDIR)$(LIBDIR)/librumphijack.so \
	    $(DESTDIR)$(PCDIR)/rump.pc $(DESTDIR)$(PCDIR)/rumpclient.pc \
	    $(addprefix $(DESTDIR)$(BINDIR)/,$(SERVER_BINS))
	rm -rf $(DESTDIR)$(INCDIR)/rump
	for page in $(MANPAGES); do \
	    rm -f $(DESTDIR)$(MANDIR)/man$${page##*.}/$${page##*/}; done
