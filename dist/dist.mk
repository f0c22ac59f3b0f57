# Installing the toolstack and packaging it (docs/install.md).
#   make install [PREFIX=/usr/local] [DESTDIR=]   oxl, oryxd, bash completion,
#       the systemd units, /etc/oryx/ (the example guests), /var/lib/oryx,
#       /var/log/oryx, /var/cache/oryx
#   make deb        build/dist/oryx-tools_VERSION_amd64.deb (dpkg-deb), the
#       static binaries installed with PREFIX=/usr
#   make debian-image   a Debian 12 dom0 disk image (scripts/mkdebian-image.sh)
# The tools read /etc/oryx and write /var/lib/oryx, /var/log/oryx and
# /var/cache/oryx whatever PREFIX is, so SYSCONFDIR and LOCALSTATEDIR stay there.

PREFIX        ?= /usr/local
SBINDIR       ?= $(PREFIX)/sbin
DATADIR       ?= $(PREFIX)/share
DOCDIR        ?= $(DATADIR)/doc/oryx-tools
SYSCONFDIR    ?= /etc
LOCALSTATEDIR ?= /var
UNITDIR       ?= $(PREFIX)/lib/systemd/system
MODLOADDIR    ?= $(PREFIX)/lib/modules-load.d
COMPLETIONDIR ?= $(DATADIR)/bash-completion/completions
# STATIC=1 installs the static builds (no shared libraries needed).
INSTALL_OXL    = $(if $(STATIC),$(BUILD)/static/oxl,$(BUILD)/tools/oxl)
INSTALL_ORYXD  = $(if $(STATIC),$(BUILD)/static/oryxd,$(BUILD)/tools/oryxd/oryxd)
INSTALL_DOCS  := docs/install.md docs/oxl.md docs/oryxd.md docs/xl.cfg.md
# The example guests: a busybox ramdisk, and a root filesystem on its own
# disk (the kernel, ramdisks and disk image they name are not installed;
# `make debian-image` puts them in its image).
INSTALL_EXAMPLES := tools/oxl/examples/linux.cfg tools/oxl/examples/linux-disk.cfg

.PHONY: install uninstall deb debian-image

install: $(INSTALL_OXL) $(INSTALL_ORYXD)
	$(Q)echo "  INSTALL $(DESTDIR)$(PREFIX)"
	$(Q)install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(MODLOADDIR) \
	    $(DESTDIR)$(COMPLETIONDIR) $(DESTDIR)$(DOCDIR) \
	    $(DESTDIR)$(SYSCONFDIR)/oryx/examples \
	    $(DESTDIR)$(LOCALSTATEDIR)/lib/oryx $(DESTDIR)$(LOCALSTATEDIR)/log/oryx \
	    $(DESTDIR)$(LOCALSTATEDIR)/cache/oryx
	$(Q)install -m 755 $(INSTALL_OXL) $(DESTDIR)$(SBINDIR)/oxl
	$(Q)install -m 755 $(INSTALL_ORYXD) $(DESTDIR)$(SBINDIR)/oryxd
	$(Q)install -m 644 tools/oxl/oxl.bash-completion $(DESTDIR)$(COMPLETIONDIR)/oxl
	$(Q)sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' \
	    dist/oryxd.service.in > $(DESTDIR)$(UNITDIR)/oryxd.service
	$(Q)chmod 644 $(DESTDIR)$(UNITDIR)/oryxd.service
	$(Q)install -m 644 dist/proc-xen.mount $(DESTDIR)$(UNITDIR)/proc-xen.mount
	$(Q)install -m 644 dist/oryx-modules.conf $(DESTDIR)$(MODLOADDIR)/oryx.conf
	$(Q)install -m 644 $(INSTALL_EXAMPLES) $(DESTDIR)$(SYSCONFDIR)/oryx/examples/
	$(Q)install -m 644 $(INSTALL_DOCS) $(DESTDIR)$(DOCDIR)/

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/oxl $(DESTDIR)$(SBINDIR)/oryxd \
	    $(DESTDIR)$(COMPLETIONDIR)/oxl $(DESTDIR)$(UNITDIR)/oryxd.service \
	    $(DESTDIR)$(UNITDIR)/proc-xen.mount $(DESTDIR)$(MODLOADDIR)/oryx.conf \
	    $(addprefix $(DESTDIR)$(SYSCONFDIR)/oryx/examples/,$(notdir $(INSTALL_EXAMPLES)))
	rm -rf $(DESTDIR)$(DOCDIR)

deb: $(BUILD)/static/oxl $(BUILD)/static/oryxd
	$(Q)dist/debian/mkdeb.sh

debian-image: deb
	$(Q)scripts/mkdebian-image.sh
