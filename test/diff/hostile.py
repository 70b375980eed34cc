def hostile_run(hz, bind, exchange, verbose=False):
    return 0, 0
