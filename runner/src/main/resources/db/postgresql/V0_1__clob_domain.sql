-- PostgreSQL only (issue 16): the migrations after this one say CLOB, which H2 knows and PostgreSQL
-- does not. A domain of that name over TEXT lets them run unchanged on both databases (and keeps
-- the checksums existing embedded installations recorded).
CREATE DOMAIN clob AS text;
