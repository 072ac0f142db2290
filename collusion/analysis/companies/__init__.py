"""Who the bidders are: company facts from the bids and the registry, and the
links between companies (《招标投标法实施条例》第三十四条)."""
