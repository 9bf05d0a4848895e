// Names of ONC-RPC programs and procedures: portmapper/rpcbind (RFC 1833), MOUNT (RFC 1094
// appendix A, RFC 1813 appendix I), NFS v2 (RFC 1094), v3 (RFC 1813), v4 (RFC 7530/8881),
// NLM and NSM (X/Open XNFS), NFS_ACL.

export const PROG_PORTMAP = 100000;
export const PROG_NFS = 100003;
export const PROG_MOUNT = 100005;

const PROGRAMS: ReadonlyMap<number, string> = new Map([
  [100000, 'portmap'],
  [100001, 'rstatd'],
  [100002, 'rusersd'],
  [100003, 'nfs'],
  [100004, 'ypserv'],
  [100005, 'mount'],
  [100007, 'ypbind'],
  [100008, 'walld'],
  [100009, 'yppasswdd'],
  [100011, 'rquotad'],
  [100021, 'nlockmgr'],
  [100024, 'status'],
  [100026, 'bootparam'],
  [100227, 'nfs_acl'],
  [150001, 'pcnfsd'],
]);

export function progName(prog: number): string | undefined {
  return PROGRAMS.get(prog);
}

/** Content probe: a program number in Sun's assigned range or one we name. */
export function plausibleProg(prog: number): boolean {
  return (prog >= 100000 && prog < 100400) || PROGRAMS.has(prog);
}

const PMAP2 = ['NULL', 'SET', 'UNSET', 'GETPORT', 'DUMP', 'CALLIT'];
const RPCBIND = ['NULL', 'SET', 'UNSET', 'GETADDR', 'DUMP', 'CALLIT', 'GETTIME', 'UADDR2TADDR', 'TADDR2UADDR'];
const RPCBIND4 = [
  ...RPCBIND.slice(0, 5),
  'BCAST',
  ...RPCBIND.slice(6),
  'GETVERSADDR',
  'INDIRECT',
  'GETADDRLIST',
  'GETSTAT',
];
const MOUNT = ['NULL', 'MNT', 'DUMP', 'UMNT', 'UMNTALL', 'EXPORT', 'EXPORTALL', 'PATHCONF'];
const NFS2 = [
  'NULL',
  'GETATTR',
  'SETATTR',
  'ROOT',
  'LOOKUP',
  'READLINK',
  'READ',
  'WRITECACHE',
  'WRITE',
  'CREATE',
  'REMOVE',
  'RENAME',
  'LINK',
  'SYMLINK',
  'MKDIR',
  'RMDIR',
  'READDIR',
  'STATFS',
];
const NFS3 = [
  'NULL',
  'GETATTR',
  'SETATTR',
  'LOOKUP',
  'ACCESS',
  'READLINK',
  'READ',
  'WRITE',
  'CREATE',
  'MKDIR',
  'SYMLINK',
  'MKNOD',
  'REMOVE',
  'RMDIR',
  'RENAME',
  'LINK',
  'READDIR',
  'READDIRPLUS',
  'FSSTAT',
  'FSINFO',
  'PATHCONF',
  'COMMIT',
];
const NFS4 = ['NULL', 'COMPOUND'];
const NLM4 = [
  'NULL',
  'TEST',
  'LOCK',
  'CANCEL',
  'UNLOCK',
  'GRANTED',
  'TEST_MSG',
  'LOCK_MSG',
  'CANCEL_MSG',
  'UNLOCK_MSG',
  'GRANTED_MSG',
  'TEST_RES',
  'LOCK_RES',
  'CANCEL_RES',
  'UNLOCK_RES',
  'GRANTED_RES',
  '',
  '',
  '',
  '',
  'SHARE',
  'UNSHARE',
  'NM_LOCK',
  'FREE_ALL',
];
const NSM = ['NULL', 'STAT', 'MON', 'UNMON', 'UNMON_ALL', 'SIMU_CRASH', 'NOTIFY'];
const NFSACL = ['NULL', 'GETACL', 'SETACL', 'GETATTR', 'ACCESS', 'GETXATTRDIR'];

function table(prog: number, vers: number): readonly string[] | undefined {
  switch (prog) {
    case PROG_PORTMAP:
      return vers === 2 ? PMAP2 : vers === 3 ? RPCBIND : vers === 4 ? RPCBIND4 : undefined;
    case PROG_MOUNT:
      return MOUNT;
    case PROG_NFS:
      return vers === 2 ? NFS2 : vers === 3 ? NFS3 : vers === 4 ? NFS4 : undefined;
    case 100021:
      return NLM4;
    case 100024:
      return NSM;
    case 100227:
      return NFSACL;
    default:
      return undefined;
  }
}

export function procName(prog: number, vers: number, proc: number): string | undefined {
  const t = table(prog, vers);
  const n = t?.[proc];
  return n ? n : undefined;
}

/** NFSv4 operation names (RFC 8881 §16.2), for the first operation of a COMPOUND. */
const NFS4_OPS = [
  '',
  '',
  '',
  'ACCESS',
  'CLOSE',
  'COMMIT',
  'CREATE',
  'DELEGPURGE',
  'DELEGRETURN',
  'GETATTR',
  'GETFH',
  'LINK',
  'LOCK',
  'LOCKT',
  'LOCKU',
  'LOOKUP',
  'LOOKUPP',
  'NVERIFY',
  'OPEN',
  'OPENATTR',
  'OPEN_CONFIRM',
  'OPEN_DOWNGRADE',
  'PUTFH',
  'PUTPUBFH',
  'PUTROOTFH',
  'READ',
  'READDIR',
  'READLINK',
  'REMOVE',
  'RENAME',
  'RENEW',
  'RESTOREFH',
  'SAVEFH',
  'SECINFO',
  'SETATTR',
  'SETCLIENTID',
  'SETCLIENTID_CONFIRM',
  'VERIFY',
  'WRITE',
  'RELEASE_LOCKOWNER',
  'BACKCHANNEL_CTL',
  'BIND_CONN_TO_SESSION',
  'EXCHANGE_ID',
  'CREATE_SESSION',
  'DESTROY_SESSION',
  'FREE_STATEID',
  'GET_DIR_DELEGATION',
  'GETDEVICEINFO',
  'GETDEVICELIST',
  'LAYOUTCOMMIT',
  'LAYOUTGET',
  'LAYOUTRETURN',
  'SECINFO_NO_NAME',
  'SEQUENCE',
  'SET_SSV',
  'TEST_STATEID',
  'WANT_DELEGATION',
  'DESTROY_CLIENTID',
  'RECLAIM_COMPLETE',
];

export function nfs4OpName(op: number): string | undefined {
  const n = NFS4_OPS[op];
  return n ? n : undefined;
}
