// CPrefetch is a header-only shim (esans_prefetch.h); SwiftPM needs one source file per C target.
#include "esans_prefetch.h"
