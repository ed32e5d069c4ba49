# demo.mk — `make demo`: boots a rump kernel in this process and shows it
# working (demo/demo.c, linked statically against librump.a), then runs two
# kernels as servers and drives them with the rump.* tools (demo/remote.sh),
# then runs unmodified programs on a kernel's files through librumphijack
# (demo/hijack.sh).

DEMO := $(B)/demo/demo

$(DEMO): demo/demo.c $(B)/lib/librump.a $(PUBHDR) $(GEN)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu17 $(WARN) -D_GNU_SOURCE $(CFLAGS) -I$(B)/include \
	    -o $@ demo/demo.c $(B)/lib/librump.a -pthread

.PHONY: demo-build
demo-build: all $(DEMO)
	@:

demo:
	@$(SETUP)
	@$(MAKE) --no-print-directory demo-build
	@$(DEMO)
	@echo
	@sh demo/remote.sh $(B)
	@echo
	@sh demo/hijack.sh $(B)
