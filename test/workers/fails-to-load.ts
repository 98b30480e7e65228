/** A worker entry that dies while it loads (for the thread pool's tests). */
throw new Error('this worker fails while loading');
