import random
L="ABCDEFGHJKLMNPQRTUVWXYZ"
def upn(la, est, yr, serial):
    body=f"{la:03d}{est:04d}{yr:02d}{serial:03d}"
    s=sum((k)*int(body[k-2]) for k in range(2,14))
    return L[s%23]+body
def uln(rng):
    while True:
        d=[rng.randint(1,9)]+[rng.randint(0,9) for _ in range(8)]
        S=sum((10-i)*d[i] for i in range(9))
        r=S%11
        if r==0: continue
        return "".join(map(str,d))+str(10-r)
def nhs(rng):
    while True:
        d=[rng.randint(4,9)]+[rng.randint(0,9) for _ in range(8)]
        S=sum((10-i)*d[i] for i in range(9))
        c=11-S%11
        if c==11: c=0
        if c==10: continue
        return "".join(map(str,d))+str(c)
if __name__=="__main__":
    print(upn(801,2000,1,1), upn(801,2000,5,1))
