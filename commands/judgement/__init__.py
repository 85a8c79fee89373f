"""The one judgement of the estate per request, which every command reads from.

    estate.py    what is read, in phases, with what could not be read kept beside it
    gateways.py  the gateways a command looks at, read in depth (connections, keys, BGP, clients)
    rates.py     their Azure Monitor metrics over a window (the batch metrics API)
    judge.py     every finding about everything read, computed once (`Judgement`)
    causes.py    root causes before symptoms: which finding explains which
    view.py      the first message of every answer, read on a phone
    progress.py  keeping the asker informed while Azure works

`/vpn status`, `routes`, `peering`, `checklist`, `diagnose` and the watch show views of
one `Judgement`, so two commands cannot disagree about the same fact: a finding has one
key, one severity and one root cause whichever command shows it.
"""
