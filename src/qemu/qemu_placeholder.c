/* keeps the QEMU driver library non-empty until its sources land */
int qemuPlaceholder(void);
int qemuPlaceholder(void) { return 0; }
