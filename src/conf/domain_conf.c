/* domain_conf: to be written */
